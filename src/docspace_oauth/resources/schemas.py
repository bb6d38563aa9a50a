"""Wire models of the admins' resource API and of RFC 9728 metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from docspace_oauth.clients.schemas import HttpUrl, Name, Scopes
from docspace_oauth.models import Resource
from docspace_oauth.validation import read_url


def _no_fragment(value: str) -> str:
    # RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
    if read_url(value).fragment or value.endswith("#"):
        raise ValueError("a resource URL must not contain a fragment")
    return value


ResourceUrl = Annotated[HttpUrl, AfterValidator(_no_fragment)]


class CreateResourceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: ResourceUrl = Field(description="The resource's URL: its tokens' `aud`.")
    name: Name
    scopes: Scopes = Field(description="The scopes a token for this resource may carry.")
    introspection_requires_resource: StrictBool = Field(
        default=False,
        description="Introspection answers active only when the caller names this resource "
        "(resource=).",
    )


class ResourceResponse(BaseModel):
    id: str
    url: str
    name: str
    scopes: list[str]
    introspection_requires_resource: bool
    created_on: datetime
    created_by: str
    metadata_url: str = Field(description="Its RFC 9728 metadata, as we publish it.")

    @classmethod
    def of(cls, resource: Resource, issuer: str) -> ResourceResponse:
        return cls(
            id=resource.id,
            url=resource.url,
            name=resource.name,
            scopes=list(resource.scopes),
            introspection_requires_resource=resource.introspection_requires_resource,
            created_on=resource.created_on,
            created_by=resource.created_by,
            metadata_url=f"{issuer}/oauth2/resources/{resource.id}/metadata",
        )


class ProtectedResourceMetadata(BaseModel):
    """RFC 9728 §2: what the resource serves at /.well-known/oauth-protected-resource."""

    resource: str
    authorization_servers: list[str]
    scopes_supported: list[str]
    bearer_methods_supported: list[str]
    resource_name: str

    @classmethod
    def of(cls, resource: Resource, issuer: str) -> ProtectedResourceMetadata:
        return cls(
            resource=resource.url,
            authorization_servers=[issuer],
            scopes_supported=list(resource.scopes),
            bearer_methods_supported=["header"],
            resource_name=resource.name,
        )
