"""roombench's reference Flask-SocketIO room server (README.md, "The reference server").

Run it with ``python -m target_app --help``; build it in-process with
``target_app.app.create_app(ServerConfig(...))``. Importing this package has
no side effects (and does not import Flask or Socket.IO).
"""
