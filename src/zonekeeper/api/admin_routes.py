"""The five routes every simple admin resource has (list, create, get, PATCH, DELETE), built
from a resource's declaration, so that ``api/tlds.py``, ``api/blacklists.py`` and
``api/tsigkeys.py`` hold only what differs: schemas, rendering and their service module.

Codes are Designate's: POST 201 with ``Location``, PATCH 200, DELETE 204; lists carry
``links`` and no ``metadata``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from zonekeeper.api import auth, body, errors, pagination, web
from zonekeeper.service import catalog

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resource(Generic[T]):
    """What differs between admin resources."""

    path: str
    """``/v2/tlds``."""
    id_name: str
    """The path parameter's name in Designate's messages: ``tld_id``."""
    listing: pagination.ListSpec
    create_rules: body.BodyRules
    update_rules: body.BodyRules
    model: type[BaseModel]
    list_model: type[BaseModel]
    render: Callable[[T, str], dict[str, Any]]
    """The wire form of one item, given the API root URL."""
    service: catalog.Resource[T]
    """The resource's use cases (``service.<resource>.RESOURCE``)."""


def router(resource: Resource[T]) -> APIRouter:
    """The resource's routes, to ``include_router`` in the app."""
    routes = APIRouter(prefix=resource.path, tags=[resource.listing.plural])
    one = f"/{{{resource.id_name}}}"
    # The handlers read the id from request.path_params, so FastAPI cannot see it: say so.
    path_param = {
        "parameters": [
            {
                "name": resource.id_name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": f"^{web.UUID_REGEX}$"},
            }
        ]
    }
    routes.add_api_route(
        "",
        _list(resource),
        methods=["GET"],
        response_model=resource.list_model,
        responses=errors.doc(400, 401, 403),
        openapi_extra=pagination.openapi(resource.listing),
    )
    routes.add_api_route(
        "",
        _create(resource),
        methods=["POST"],
        status_code=201,
        response_model=resource.model,
        responses=errors.doc(400, 401, 403, 409, 415),
        openapi_extra=body.openapi(resource.create_rules),
    )
    routes.add_api_route(
        one,
        _get(resource),
        methods=["GET"],
        response_model=resource.model,
        responses=errors.doc(400, 401, 403, 404),
        openapi_extra=path_param,
    )
    routes.add_api_route(
        one,
        _update(resource),
        methods=["PATCH"],
        response_model=resource.model,
        responses=errors.doc(400, 401, 403, 404, 409, 415),
        openapi_extra={**body.openapi(resource.update_rules), **path_param},
    )
    routes.add_api_route(
        one,
        _delete(resource),
        methods=["DELETE"],
        status_code=204,
        responses=errors.doc(400, 401, 403, 404),
        openapi_extra=path_param,
    )
    return routes


Handler = Callable[..., Awaitable[Response]]


def _list(resource: Resource[T]) -> Handler:
    async def list_items(request: Request) -> web.JsonResponse:
        ctx = auth.context_of(request)
        env = web.env_of(request)
        query = pagination.parse(request, resource.listing, env.settings.api, ctx.all_projects)
        found = await resource.service.list(ctx, env, query)
        base = web.base_url(request)
        items = [resource.render(item, base) for item in found]
        plural = resource.listing.plural
        document = pagination.collection(request, plural, items, query.limit, None)
        del document["metadata"]  # Designate counts only zones and recordsets
        return web.json_response(document)

    return list_items


def _create(resource: Resource[T]) -> Handler:
    async def create_item(request: Request) -> web.JsonResponse:
        ctx = auth.context_of(request)
        fields = body.check(await body.read_object(request), resource.create_rules, None)
        item = await resource.service.create(ctx, web.env_of(request), fields)
        document = resource.render(item, web.base_url(request))
        return web.json_response(document, 201, location=document["links"]["self"])

    return create_item


def _get(resource: Resource[T]) -> Handler:
    async def get_item(request: Request) -> web.JsonResponse:
        ctx = auth.context_of(request)
        item_id = web.path_id(request.path_params[resource.id_name], resource.id_name)
        item = await resource.service.get(ctx, web.env_of(request), item_id)
        return web.json_response(resource.render(item, web.base_url(request)))

    return get_item


def _update(resource: Resource[T]) -> Handler:
    async def update_item(request: Request) -> web.JsonResponse:
        ctx = auth.context_of(request)
        item_id = web.path_id(request.path_params[resource.id_name], resource.id_name)
        env = web.env_of(request)
        base = web.base_url(request)
        document = await body.read_object(request)
        current = None
        if resource.update_rules.needs_current(document):
            current = resource.render(await resource.service.get(ctx, env, item_id), base)
        fields = body.check(document, resource.update_rules, current)
        item = await resource.service.update(ctx, env, item_id, fields)
        return web.json_response(resource.render(item, base))

    return update_item


def _delete(resource: Resource[T]) -> Handler:
    async def delete_item(request: Request) -> Response:
        ctx = auth.context_of(request)
        item_id = web.path_id(request.path_params[resource.id_name], resource.id_name)
        await resource.service.delete(ctx, web.env_of(request), item_id)
        return Response(status_code=204)

    return delete_item
