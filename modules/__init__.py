"""Modules bundled with egovkit, installed as the ``egovkit_modules`` package."""
