"""egovkit: e-government in a box for Indonesian regencies and cities."""

__version__ = "0.1.0"
