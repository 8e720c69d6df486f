"""Client models generated from the services' OpenAPI documents (see ``clients/codegen.py``)."""
