"""Request and response schemas (pydantic); they also generate the OpenAPI document."""
