"""The application shell: factory, config, extensions, auth, web views, API, CLI and errors."""
