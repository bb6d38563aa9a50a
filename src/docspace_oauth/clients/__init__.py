"""OAuth client management: DocSpace's ClientManagementApi and its querying siblings."""
