#!/bin/bash
# The servers `make test` needs, as the tests expect them, started only when not running:
#   PostgreSQL  127.0.0.1:5432, user postgres with trust auth, database `test`
#   MariaDB     127.0.0.1:3306, root with no password, database `test`
#   RabbitMQ    127.0.0.1:5672, guest/guest
# A server that already answers is left alone: never stopped, restarted or reconfigured (at
# most its missing `test` database is created). One that does not answer is installed from
# Debian's packages when missing, configured for loopback only, and started. Idempotent; run
# as root on Debian 12.
#
# Where (for trying the start path beside running servers): ZK_PG_PORT, ZK_PG_CLUSTER (main),
# ZK_MARIADB_PORT, ZK_MARIADB_DATADIR (/var/lib/mysql), ZK_MARIADB_SOCKET, and RabbitMQ's own
# RABBITMQ_NODE_PORT, RABBITMQ_NODENAME, RABBITMQ_MNESIA_BASE, ... environment variables.
# Usage: scripts/services.sh [postgresql] [mariadb] [rabbitmq]   (default: all three)
set -euo pipefail

PG_PORT=${ZK_PG_PORT:-5432}
PG_CLUSTER=${ZK_PG_CLUSTER:-main}
MARIADB_PORT=${ZK_MARIADB_PORT:-3306}
MARIADB_DATADIR=${ZK_MARIADB_DATADIR:-/var/lib/mysql}
MARIADB_SOCKET=${ZK_MARIADB_SOCKET:-/run/mysqld/mysqld.sock}
RABBITMQ_PORT=${RABBITMQ_NODE_PORT:-5672}
export RABBITMQ_NODE_IP_ADDRESS=${RABBITMQ_NODE_IP_ADDRESS:-127.0.0.1}

say() { echo "services: $*"; }
die() { echo "services: error: $*" >&2; exit 1; }

# Install Debian packages that are missing (apt-get update first, once).
install() {
    local missing=() package
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    INSTALLED="$INSTALLED ${missing[*]}"
}
INSTALLED=""

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Run "$@" until it succeeds, at most $1 seconds.
wait_for() {
    local seconds=$1; shift
    for _ in $(seq "$((seconds * 4))"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    return 1
}

# ---- PostgreSQL ----------------------------------------------------------------------------
pg_sql() { psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres connect_timeout=3" -w -Atqc "$1"; }

pg_test_database() {
    if [ -z "$(pg_sql "SELECT 1 FROM pg_database WHERE datname = 'test'")" ]; then
        pg_sql 'CREATE DATABASE test'
        say "PostgreSQL: created database test"
    fi
}

postgresql() {
    command -v psql >/dev/null || install postgresql-client  # to tell running from missing
    if pg_sql 'SELECT 1' >/dev/null 2>&1; then
        say "PostgreSQL already running on 127.0.0.1:$PG_PORT: left alone"
        pg_test_database
        return
    fi
    port_open "$PG_PORT" && die "127.0.0.1:$PG_PORT answers but does not let user postgres in \
without a password; the tests need PostgreSQL there with trust auth for 127.0.0.1 (left alone)"
    install postgresql
    local version config
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    config=/etc/postgresql/$version/$PG_CLUSTER
    [ -f "$config/postgresql.conf" ] || pg_createcluster "$version" "$PG_CLUSTER" >/dev/null
    mkdir -p "$config/conf.d"
    printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PG_PORT" >"$config/conf.d/90-zonekeeper-tests.conf"
    # Trust on loopback, ahead of the packaged rules (the first matching line wins).
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$config/pg_hba.conf"; then
        sed -i '1i host all all 127.0.0.1/32 trust' "$config/pg_hba.conf"
    fi
    # Where installing it just now started it (systemd hosts), it runs without our settings:
    # restart it. A cluster that ran before we came is someone's, elsewhere: not ours to touch.
    local action=start
    if pg_ctlcluster "$version" "$PG_CLUSTER" status >/dev/null 2>&1; then
        [ -n "$INSTALLED" ] || die "PostgreSQL $version/$PG_CLUSTER runs, not on 127.0.0.1:$PG_PORT (left alone)"
        action=restart
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" "$action"
    wait_for 30 pg_sql 'SELECT 1' || die "PostgreSQL $version/$PG_CLUSTER did not come up on 127.0.0.1:$PG_PORT"
    say "PostgreSQL $version/$PG_CLUSTER started on 127.0.0.1:$PG_PORT"
    pg_test_database
}

# ---- MariaDB -------------------------------------------------------------------------------
maria_tcp() { mariadb -h 127.0.0.1 -P "$MARIADB_PORT" -u root --connect-timeout=3 -e "$1"; }

mariadb_server() {
    command -v mariadb >/dev/null || install mariadb-client
    if maria_tcp 'SELECT 1' >/dev/null 2>&1; then
        say "MariaDB already running on 127.0.0.1:$MARIADB_PORT: left alone"
        maria_tcp 'CREATE DATABASE IF NOT EXISTS test'
        return
    fi
    port_open "$MARIADB_PORT" && die "127.0.0.1:$MARIADB_PORT answers but does not let root in \
without a password; the tests need MariaDB there with root and no password (left alone)"
    install mariadb-server
    [ -d "$MARIADB_DATADIR/mysql" ] || mariadb-install-db --user=mysql --datadir="$MARIADB_DATADIR" \
        --auth-root-authentication-method=normal >/dev/null
    mkdir -p "$(dirname "$MARIADB_SOCKET")"
    chown mysql: "$(dirname "$MARIADB_SOCKET")"
    # Installing it may have started it already (systemd hosts): then only the users change.
    if ! mariadb --socket="$MARIADB_SOCKET" -u root -e 'SELECT 1' >/dev/null 2>&1; then
        setsid /usr/sbin/mariadbd --user=mysql --datadir="$MARIADB_DATADIR" \
            --socket="$MARIADB_SOCKET" --port="$MARIADB_PORT" --bind-address=127.0.0.1 \
            --pid-file="${MARIADB_SOCKET%.sock}.pid" \
            --log-error="$MARIADB_DATADIR/zonekeeper-tests.err" </dev/null >/dev/null 2>&1 &
    fi
    wait_for 60 mariadb --socket="$MARIADB_SOCKET" -u root -e 'SELECT 1' \
        || die "MariaDB did not come up (see $MARIADB_DATADIR/zonekeeper-tests.err)"
    # Debian's root@localhost logs in by unix socket only, and with skip-name-resolve (as some
    # my.cnf have) a TCP client is 127.0.0.1, not localhost: the tests come by TCP, password "".
    mariadb --socket="$MARIADB_SOCKET" -u root -e "ALTER USER root@localhost IDENTIFIED VIA \
mysql_native_password USING PASSWORD('') OR unix_socket; \
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY ''; \
GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION; CREATE DATABASE IF NOT EXISTS test"
    maria_tcp 'SELECT 1' >/dev/null || die "MariaDB started but root cannot log in on 127.0.0.1:$MARIADB_PORT"
    say "MariaDB started on 127.0.0.1:$MARIADB_PORT ($MARIADB_DATADIR)"
}

# ---- RabbitMQ ------------------------------------------------------------------------------
rabbitmq() {
    if port_open "$RABBITMQ_PORT"; then
        say "RabbitMQ already running on 127.0.0.1:$RABBITMQ_PORT: left alone"
        return
    fi
    install rabbitmq-server
    # The guest user (guest/guest) of a new broker may log in from loopback, all the tests need.
    rabbitmq-server -detached
    wait_for 90 port_open "$RABBITMQ_PORT" || die "RabbitMQ did not come up on 127.0.0.1:$RABBITMQ_PORT"
    rabbitmqctl -q await_startup >/dev/null
    say "RabbitMQ started on $RABBITMQ_NODE_IP_ADDRESS:$RABBITMQ_PORT"
}

[ "$(id -u)" -eq 0 ] || die "run as root (it may install and start Debian packages)"
for service in "${@:-postgresql mariadb rabbitmq}"; do
    for one in $service; do
        case $one in
            postgresql) postgresql ;;
            mariadb) mariadb_server ;;
            rabbitmq) rabbitmq ;;
            *) die "unknown service $one (postgresql, mariadb, rabbitmq)" ;;
        esac
    done
done
