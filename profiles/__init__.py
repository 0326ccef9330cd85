"""Profiles bundled with egovkit, installed as the ``egovkit_profiles`` package."""
