"""Regions (wilayah): province > regency/city > kecamatan > desa/kelurahan."""
