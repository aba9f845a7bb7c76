"""The HTTP gateway: signed event intake, unsubscribe links, an OpenAPI document.

`app.build_app` builds the Starlette application; `server.run_gateway` serves it
with uvicorn until a stop event is set.
"""
