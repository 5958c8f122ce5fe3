"""The HTTP layer: thin Falcon resources over ``searchsvc.engine``.

Each resource reads and validates its input, calls one engine method and sets ``resp.media``.
``app.create_app`` wires resources, middleware and the one error handler; gunicorn runs
``searchsvc.api.app:get_app()`` with the configuration in ``gunicorn_conf``. Nothing here imports
whoosh or click: the engine is the only thing that touches the index.
"""
