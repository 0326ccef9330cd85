"""Build modules/planning/data/kepmendagri-050-5889-2021.csv.gz, the bundled edition of planning.codes.

Source: the nomenclature seeders of github.com/AldiAlfatih/BAPPEDA (commit 915fd4e, 2025-09-30):
database/seeders/{Urusan,BidangUrusan,Program,Kegiatan,SubKegiatan}Seeder.php, a regency Bappeda's
copy of the Permendagri 90/2019 codes as revised by Kepmendagri 050-5889/2021 (e.g. Pembangunan Jalan is
1.03.10.2.01.0032 there; later decrees renumbered it). Sub-kegiatan codes written with "02" in the fourth
segment are normalised to "2". Indicators and units of the support sub-kegiatan (X.XX.01.*) come from the
same decree's metadata as reproduced in a public Renstra dump, matched by name (INDICATORS below);
other rows carry none (the Renja line states its own indicator).

Usage: python scripts/build_planning_codes.py /path/to/seeders
"""
import csv
import gzip
import io
import re
import sys
from pathlib import Path

ROW = re.compile(r"'nomor_kode'\s*=>\s*'([^']+)',\s*'nomenklatur'\s*=>\s*'((?:[^'\\]|\\.)*)'")
LEVELS = {1: "urusan", 2: "bidang", 3: "program", 5: "kegiatan", 6: "subkegiatan"}

# name -> (indicator, unit), Kepmendagri metadata of the support sub-kegiatan common to every bidang
INDICATORS = {
    "Penyusunan Dokumen Perencanaan Perangkat Daerah": ("Jumlah Dokumen Perencanaan Perangkat Daerah", "Dokumen"),
    "Koordinasi dan Penyusunan Dokumen RKA-SKPD": (
        "Jumlah Dokumen RKA-SKPD dan Laporan Hasil Koordinasi Penyusunan Dokumen RKA-SKPD", "Dokumen"),
    "Koordinasi dan Penyusunan Dokumen Perubahan RKA-SKPD": (
        "Jumlah Dokumen Perubahan RKA-SKPD dan Laporan Hasil Koordinasi Penyusunan Dokumen Perubahan RKA-SKPD",
        "Dokumen"),
    "Koordinasi dan Penyusunan DPA-SKPD": (
        "Jumlah Dokumen DPA-SKPD dan Laporan Hasil Koordinasi Penyusunan Dokumen DPA-SKPD", "Dokumen"),
    "Evaluasi Kinerja Perangkat Daerah": ("Jumlah Laporan Evaluasi Kinerja Perangkat Daerah", "Laporan"),
    "Penyediaan Gaji dan Tunjangan ASN": ("Jumlah Orang yang Menerima Gaji dan Tunjangan ASN", "Orang/bulan"),
    "Penyediaan Administrasi Pelaksanaan Tugas ASN": (
        "Jumlah Dokumen Hasil Penyediaan Administrasi Pelaksanaan Tugas ASN", "Dokumen"),
    "Koordinasi dan Penyusunan Laporan Keuangan Akhir Tahun SKPD": (
        "Jumlah Laporan Keuangan Akhir Tahun SKPD dan Laporan Hasil Koordinasi Penyusunan Laporan Keuangan "
        "Akhir Tahun SKPD", "Laporan"),
    "Pendidikan dan Pelatihan Pegawai Berdasarkan Tugas dan Fungsi": (
        "Jumlah Pegawai Berdasarkan Tugas dan Fungsi yang Mengikuti Pendidikan dan Pelatihan", "Orang"),
    "Penyediaan Peralatan dan Perlengkapan Kantor": (
        "Jumlah Paket Peralatan dan Perlengkapan Kantor yang Disediakan", "Paket"),
    "Penyediaan Bahan Logistik Kantor": ("Jumlah Paket Bahan Logistik Kantor yang Disediakan", "Paket"),
    "Penyediaan Barang Cetakan dan Penggandaan": ("Jumlah Paket Barang Cetakan dan Penggandaan yang Disediakan",
                                                  "Paket"),
    "Penyediaan Bahan/Material": ("Jumlah Paket Bahan/Material yang Disediakan", "Paket"),
    "Fasilitasi Kunjungan Tamu": ("Jumlah Laporan Fasilitasi Kunjungan Tamu", "Laporan"),
    "Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD": (
        "Jumlah Laporan Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD", "Laporan"),
    "Pengadaan Mebel": ("Jumlah Paket Mebel yang Disediakan", "Unit"),
    "Penyediaan Jasa Surat Menyurat": ("Jumlah Laporan Penyediaan Jasa Surat Menyurat", "Laporan"),
    "Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik": (
        "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik yang Disediakan", "Laporan"),
    "Penyediaan Jasa Pelayanan Umum Kantor": (
        "Jumlah Laporan Penyediaan Jasa Pelayanan Umum Kantor yang Disediakan", "Laporan"),
    "Pemeliharaan Mebel": ("Jumlah Mebel yang Dipelihara", "Unit"),
    "Pemeliharaan Peralatan dan Mesin Lainnya": ("Jumlah Peralatan dan Mesin Lainnya yang Dipelihara", "Unit"),
}


def normalise(code: str) -> str:
    parts = code.strip().split(".")
    if len(parts) >= 4 and parts[3] == "02":
        parts[3] = "2"
    return ".".join(parts)


def rows(folder: Path):
    seen = {}
    for name in ("Urusan", "BidangUrusan", "Program", "Kegiatan", "SubKegiatan"):
        text = (folder / f"{name}Seeder.php").read_text(encoding="utf-8")
        for code, title in ROW.findall(text):
            code = normalise(code)
            level = LEVELS.get(code.count(".") + 1)
            if level is None or code in seen:
                continue
            title = " ".join(title.replace("\\'", "'").split())
            seen[code] = (level, title)
    out = []
    for code, (level, title) in seen.items():
        indicator, unit = INDICATORS.get(title, ("", "")) if level == "subkegiatan" else ("", "")
        out.append((code, level, title, indicator, unit))
    key = lambda r: [int(p) for p in r[0].split(".")]  # noqa: E731
    return sorted(out, key=key)


def main(folder: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "level", "name", "indicator", "unit"])
    data = rows(Path(folder))
    codes = {r[0] for r in data}
    for r in data:
        parent = ".".join(r[0].split(".")[:-1]) if r[1] != "kegiatan" else ".".join(r[0].split(".")[:3])
        if r[1] != "urusan" and parent not in codes:
            continue  # a child whose parent the source lacks is left out
        writer.writerow(r)
    target = Path(__file__).resolve().parents[1] / "modules/planning/data/kepmendagri-050-5889-2021.csv.gz"
    target.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))
    print(target, len(data))


if __name__ == "__main__":
    main(sys.argv[1])
