"""Typed errors. Each carries Designate's wire ``type`` string and no HTTP status:
the one ``type -> status`` table lives in ``api/errors.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a request body was refused, shaped like a JSON-schema error."""

    path: tuple[str | int, ...]
    message: str
    validator: str = "format"
    validator_value: Any = None


class ZonekeeperError(Exception):
    """Base of every error a client can cause. ``type`` is Designate's error type string."""

    type: ClassVar[str] = "unknown"
    default_message: ClassVar[str | None] = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message or self.type)


class BadRequest(ZonekeeperError):
    type = "bad_request"


class InvalidObject(BadRequest):
    """Schema-style validation failure; lists every reason at once."""

    type = "invalid_object"

    def __init__(self, errors: Sequence[FieldError], message: str | None = None) -> None:
        self.errors = tuple(errors)
        super().__init__(message)


class InvalidJson(BadRequest):
    type = "invalid_json"


class EmptyRequestBody(BadRequest):
    type = "empty_request_body"
    default_message = "Request Body is empty"


class InvalidUUID(BadRequest):
    type = "invalid_uuid"
    default_message = "Invalid UUID"


class InvalidLimit(BadRequest):
    type = "invalid_limit"


class InvalidMarker(BadRequest):
    type = "invalid_marker"


class MarkerNotFound(BadRequest):
    type = "marker_not_found"


class InvalidSortKey(BadRequest):
    type = "invalid_sort_key"


class InvalidSortDir(BadRequest):
    type = "invalid_sort_dir"


class InvalidZoneName(BadRequest):
    type = "invalid_zone_name"


class InvalidRecordSetName(BadRequest):
    type = "invalid_recordset_name"


class InvalidRecordSetLocation(BadRequest):
    type = "invalid_recordset_location"


class InvalidTTL(BadRequest):
    type = "invalid_ttl"


class InvalidOperation(BadRequest):
    type = "invalid_operation"


class ZoneHasSubZone(BadRequest):
    type = "zone_has_sub_zone"
    default_message = "Please delete any subzones before deleting this zone"


class ZoneIsShared(BadRequest):
    type = "zone_is_shared"


class SharedZoneHasSubZone(BadRequest):
    type = "shared_zone_has_sub_zone"


class SharedZoneHasRecordSets(BadRequest):
    type = "shared_zone_has_recordsets"


class InvalidProject(BadRequest):
    type = "invalid_project"


class InvalidZoneTransferRequest(BadRequest):
    type = "invalid_zone_transfer_request"


class Unauthorized(ZonekeeperError):
    """No valid credentials (token missing, wrong, expired or revoked)."""

    type = "unauthorized"
    default_message = "The request you have made requires authentication."


class MissingProjectId(ZonekeeperError):
    type = "missing_project_id"


class Forbidden(ZonekeeperError):
    type = "forbidden"


class InvalidTokenScope(Forbidden):
    """The token's scope (system, domain) is not one the rule accepts: Designate's rules are
    all project-scoped."""

    type = "invalid_token_scope"
    default_message = "Invalid token scope"


class IllegalChild(Forbidden):
    type = "illegal_child"


class IllegalParent(Forbidden):
    type = "illegal_parent"


class InvalidKey(Forbidden):
    type = "invalid_key"


class NoEndpoint(Forbidden):
    """No endpoint is configured for a service we call (Neutron), or none for the region."""

    type = "no_endpoint"
    default_message = "No endpoint is configured for the network API"


class NotFound(ZonekeeperError):
    type = "not_found"
    default_message = "resource not found"


class ZoneNotFound(NotFound):
    type = "zone_not_found"
    default_message = "Could not find Zone"


class RecordSetNotFound(NotFound):
    type = "recordset_not_found"
    default_message = "Could not find RecordSet"


class PoolNotFound(NotFound):
    type = "pool_not_found"
    default_message = "Could not find Pool"


class ZoneImportNotFound(NotFound):
    type = "zone_import_not_found"
    default_message = "Could not find ZoneImport"


class ZoneExportNotFound(NotFound):
    type = "zone_export_not_found"
    default_message = "Could not find ZoneExport"


class SharedZoneNotFound(NotFound):
    type = "shared_zone_not_found"
    default_message = "Could not find SharedZone"


class ZoneTransferRequestNotFound(NotFound):
    type = "zone_transfer_request_not_found"
    default_message = "Could not find ZoneTransferRequest"


class ZoneTransferAcceptNotFound(NotFound):
    type = "zone_transfer_accept_not_found"
    default_message = "Could not find ZoneTransferAccept"


class MethodNotAllowed(ZonekeeperError):
    type = "method_not_allowed"


class NotAcceptable(ZonekeeperError):
    """The client's Accept header allows nothing this resource can be rendered as."""

    type = "not_acceptable"


class UnsupportedContentType(ZonekeeperError):
    type = "unsupported_content_type"


class Duplicate(ZonekeeperError):
    type = "duplicate"


class DuplicateZone(Duplicate):
    type = "duplicate_zone"
    default_message = "Duplicate Zone"


class DuplicateRecordSet(Duplicate):
    type = "duplicate_recordset"
    default_message = "Duplicate RecordSet"


class DuplicateSharedZone(Duplicate):
    type = "duplicate_shared_zone"
    default_message = "Duplicate SharedZone"


class DuplicateZoneTransferRequest(Duplicate):
    type = "duplicate_zone_transfer_request"
    default_message = "Duplicate ZoneTransferRequest"


class OverQuota(ZonekeeperError):
    type = "over_quota"


class RequestTooLarge(ZonekeeperError):
    type = "request_too_large"
    default_message = "Request is too large."


class RequestHeadersTooLarge(ZonekeeperError):
    type = "request_headers_too_large"
    default_message = "Request line and headers are too large."


class RequestTimeout(ZonekeeperError):
    """The client did not send a whole request in time (a slow or stalled client)."""

    type = "request_timeout"
    default_message = "The request was not received in time."


class NoServersConfigured(ZonekeeperError):
    type = "no_servers_configured"


class CommunicationFailure(ZonekeeperError):
    """A service we call (not the client) failed: unreachable, too slow, or a bad answer."""

    type = "communication_failure"


class IdentityUnavailable(ZonekeeperError):
    """Keystone could not be asked whether a token is valid."""

    type = "service_unavailable"
    default_message = "The Keystone service is temporarily unavailable."


class NeutronCommunicationFailure(CommunicationFailure):
    type = "neutron_communication_failure"
    default_message = "Failed to communicate with Neutron"


class NovaCommunicationFailure(CommunicationFailure):
    type = "nova_communication_failure"
    default_message = "Failed to communicate with Nova"


class InvalidTsigKey(BadRequest):
    type = "invalid_tsigkey"


class TldNotFound(NotFound):
    type = "tld_not_found"
    default_message = "Could not find Tld"


class BlacklistNotFound(NotFound):
    type = "blacklist_not_found"
    default_message = "Could not find Blacklist"


class TsigKeyNotFound(NotFound):
    type = "tsigkey_not_found"
    default_message = "Could not find TsigKey"


class ServiceStatusNotFound(NotFound):
    type = "service_status_not_found"
    default_message = "Could not find ServiceStatus"


class DuplicateTld(Duplicate):
    type = "duplicate_tld"
    default_message = "Duplicate Tld"


class DuplicateBlacklist(Duplicate):
    type = "duplicate_blacklist"
    default_message = "Duplicate Blacklist"


class DuplicateTsigKey(Duplicate):
    type = "duplicate_tsigkey"
    default_message = "Duplicate TsigKey"


class DuplicatePool(Duplicate):
    type = "duplicate_pool"
    default_message = "Duplicate Pool"
