"""The developer console: server-rendered pages at /console for managing OAuth apps and the
apps a person has authorised.

It is a thin layer over the same services as the management API (`clients.service`,
`consents.service`): form posts become the API's own pydantic request models, so every rule
and every validation message is the API's. See docs/console.md.
"""
