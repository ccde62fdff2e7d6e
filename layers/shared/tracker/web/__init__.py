"""The tracker web app: server-rendered pages for people, on the shared layer's own use cases.

No HTTP hop to the JSON API: views build the same typed commands and call ``CaseService`` with the
caller from the session, so access, validation and the status order are the domain's. Jinja2 and
Authlib are imported on first use, once per container, to keep the other functions' cold start
small (they share this layer).
"""
