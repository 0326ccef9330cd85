"""The web shell: layout, navigation from enabled modules, portal, login."""
