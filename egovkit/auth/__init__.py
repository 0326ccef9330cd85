"""People and permissions: passwords, roles scoped to a wilayah subtree or an
agency, NIK checks, login throttling, and the one scoping helper every list,
detail, export and API query goes through (``egovkit.auth.scope``)."""
