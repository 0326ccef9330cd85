"""Code lists of the population register, as Dukcapil and OpenSID write them."""

RELIGIONS = ("ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU", "KEPERCAYAAN")
EDUCATION = ("TIDAK/BELUM SEKOLAH", "BELUM TAMAT SD", "SD", "SLTP", "SLTA", "D1/D2", "D3", "S1/D4", "S2", "S3")
MARITAL = ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")
RELATIONS = ("KEPALA KELUARGA", "SUAMI", "ISTRI", "ANAK", "MENANTU", "CUCU", "ORANG TUA", "MERTUA", "FAMILI LAIN",
             "PEMBANTU", "LAINNYA")
STATUSES = {"HIDUP": "alive", "PINDAH": "moved", "MATI": "died"}
SEXES = ("L", "P")
