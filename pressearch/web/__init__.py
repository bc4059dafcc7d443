"""`pressearch serve`: the archive as web pages and a JSON API, for a browser.

Model: an ASGI application (`app.create_app`) over one `pressearch.Archive`.
Routes parse the request (`params`), call the archive once (`live`) and
render a template (`pages`, with `view` deciding what is shown) or the CLI's
JSON (`api`); `security` guards every request and response, and `server`
binds the socket and runs uvicorn. Only this package knows HTTP.
"""
