"""Pydantic models, one per use (`ContainerCreate`, `ContainerPublic`, `ContainersPublic`, ...)."""
