"""Write the moving-in fixtures: a village's register as OpenSID holds it (a MySQL dump and a zip of
CSV exports of its tables) and as a SIAK extract, from synthetic people (the register's demo
generator: made-up names, NIKs valid in form only), in the sources' published table layouts
(docs/moving-in.md). tests/fixtures/ holds what this writes; bench/imports.py writes the same at a
regency's size.

    python scripts/moving_in_fixtures.py            # rewrites tests/fixtures/{opensid,siak}/
"""
from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VILLAGE = "35.10.01.2001"  # Sarongan, Pesanggaran, Banyuwangi

# OpenSID's tables as its schema has them (OpenSID 2107-2409 share these columns; later releases add
# columns, which the reader ignores). Only the columns the import reads are filled; the others stay at
# OpenSID's defaults.
OPENSID_SCHEMA = """\
CREATE TABLE `config` (
  `id` int NOT NULL AUTO_INCREMENT,
  `nama_desa` varchar(100) NOT NULL,
  `kode_desa` varchar(100) NOT NULL,
  `kode_kecamatan` varchar(100) NOT NULL,
  `kode_kabupaten` varchar(100) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;

CREATE TABLE `tweb_wil_clusterdesa` (
  `id` int NOT NULL AUTO_INCREMENT,
  `rt` varchar(10) NOT NULL DEFAULT '0',
  `rw` varchar(10) NOT NULL DEFAULT '0',
  `dusun` varchar(50) NOT NULL DEFAULT '0',
  `id_kepala` int NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `rt` (`rt`,`rw`,`dusun`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE `tweb_keluarga` (
  `id` int NOT NULL AUTO_INCREMENT,
  `no_kk` varchar(160) DEFAULT NULL,
  `nik_kepala` varchar(200) DEFAULT NULL,
  `tgl_daftar` timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  `kelas_sosial` int DEFAULT NULL,
  `alamat` varchar(200) DEFAULT NULL,
  `id_cluster` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `nik_kepala` (`nik_kepala`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 ROW_FORMAT=DYNAMIC;

CREATE TABLE `tweb_penduduk` (
  `id` int NOT NULL AUTO_INCREMENT,
  `nama` varchar(100) NOT NULL,
  `nik` decimal(16,0) NOT NULL,
  `id_kk` int DEFAULT '0',
  `kk_level` tinyint NOT NULL DEFAULT '0',
  `sex` tinyint unsigned DEFAULT NULL,
  `tempatlahir` varchar(100) NOT NULL,
  `tanggallahir` date DEFAULT NULL,
  `agama_id` int unsigned NOT NULL,
  `pendidikan_kk_id` int unsigned NOT NULL,
  `pekerjaan_id` int unsigned NOT NULL,
  `status_kawin` tinyint unsigned NOT NULL,
  `warganegara_id` int unsigned NOT NULL,
  `nama_ayah` varchar(100) NOT NULL,
  `nama_ibu` varchar(100) NOT NULL,
  `id_cluster` int NOT NULL,
  `alamat_sekarang` varchar(200) NOT NULL,
  `status_dasar` tinyint NOT NULL DEFAULT '1',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  KEY `idx_penduduk_nik` (`nik`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 ROW_FORMAT=DYNAMIC;

CREATE TABLE `tweb_surat_format` (
  `id` int NOT NULL AUTO_INCREMENT,
  `config_id` int DEFAULT NULL,
  `nama` varchar(100) NOT NULL,
  `url_surat` varchar(100) NOT NULL,
  `kode_surat` varchar(10) DEFAULT NULL,
  `jenis` tinyint NOT NULL DEFAULT '2',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;

CREATE TABLE `log_surat` (
  `id` int NOT NULL AUTO_INCREMENT,
  `config_id` int DEFAULT NULL,
  `id_format_surat` int NOT NULL,
  `id_pend` int DEFAULT NULL,
  `id_pamong` int NOT NULL,
  `nama_pamong` varchar(100) DEFAULT NULL COMMENT 'Nama pamong agar tidak berubah saat ada perubahan di master pamong',
  `nama_jabatan` varchar(100) DEFAULT NULL,
  `id_user` int NOT NULL,
  `tanggal` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `bulan` varchar(2) DEFAULT NULL,
  `tahun` varchar(4) DEFAULT NULL,
  `no_surat` varchar(20) DEFAULT NULL,
  `nama_surat` varchar(100) DEFAULT NULL,
  `lampiran` varchar(100) DEFAULT NULL,
  `nik_non_warga` decimal(16,0) DEFAULT NULL,
  `nama_non_warga` varchar(100) DEFAULT NULL,
  `keterangan` varchar(200) DEFAULT NULL,
  `status` tinyint NOT NULL DEFAULT '0' COMMENT '0. Konsep, 1. Cetak',
  `deleted_at` datetime DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
"""
# log_surat as OpenSID 2301 and later have it (the dump), and as 2107-2212 had it (the CSV zip): no nama_pamong
# (the signer's name as printed), no status (0: a draft) or deleted_at
LOG_SURAT = ("id", "config_id", "id_format_surat", "id_pend", "id_pamong", "nama_pamong", "nama_jabatan", "id_user",
             "tanggal", "bulan", "tahun", "no_surat", "nama_surat", "lampiran", "nik_non_warga", "nama_non_warga",
             "keterangan", "status", "deleted_at")
LOG_SURAT_2107 = ("id", "id_format_surat", "id_pend", "id_pamong", "id_user", "tanggal", "bulan", "tahun", "no_surat",
                  "nama_surat", "lampiran", "nik_non_warga", "nama_non_warga")
SURAT_FORMAT = ("id", "config_id", "nama", "url_surat", "kode_surat", "jenis")
# OpenSID's own formats (url_surat and name as its migrations seed them) and one a village made itself
FORMATS = [(1, 1, "Keterangan Domisili", "surat_ket_domisili", "S-41", 1),
           (2, 1, "Keterangan Kurang Mampu", "surat_ket_kurang_mampu", "S-11", 1),
           (3, 1, "Surat Keterangan Usaha", "surat_keterangan_usaha_desa", "S-90", 2),
           (4, 1, "Keterangan Jual Beli", "surat_ket_jual_beli", "S-05", 1)]
# (id, format, id_pend, no_surat, date, signer, status, non-resident's name): four letters of imported residents,
# one of the resident refused for agama 8 (tweb_penduduk.id 54), one for a non-resident, one draft
LETTERS = [(1, 1, 1, "001", "2024-03-02 09:00:00", "Contoh Kepala Desa", 1, None),
           (2, 2, 2, "002", "2024-03-05 10:30:00", "Contoh Kepala Desa", 1, None),
           (3, 3, 1, "003", "2024-04-01 08:15:00", "Contoh Sekretaris Desa", 1, None),
           (4, 4, 3, "004", "2024-05-20 13:00:00", "Contoh Kepala Desa", 1, None),
           (5, 1, 54, "005", "2024-06-03 09:00:00", "Contoh Kepala Desa", 1, None),
           (6, 1, None, "006", "2024-06-04 09:00:00", "Contoh Kepala Desa", 1, "Contoh Bukan Warga"),
           (7, 2, 4, None, "2024-06-05 09:00:00", "Contoh Kepala Desa", 0, None)]


def log_surat_rows(old: bool = False) -> list[tuple]:
    """The fixture's letters as log_surat rows of OpenSID 2301+ (or of 2107-2212 with ``old``: no draft then)."""
    rows = []
    for id_, form, person, number, when, signer, status, outsider in LETTERS:
        values = {"id": id_, "config_id": 1, "id_format_surat": form, "id_pend": person, "id_pamong": 1,
                  "nama_pamong": signer, "nama_jabatan": "Kepala Desa", "id_user": 1, "tanggal": when,
                  "bulan": when[5:7], "tahun": when[:4], "no_surat": number, "nama_surat": f"surat_{id_}.pdf",
                  "lampiran": None, "nik_non_warga": 3510010101900001 if outsider else None,
                  "nama_non_warga": outsider, "keterangan": None, "status": status, "deleted_at": None}
        if old and status == 0:
            continue
        rows.append(tuple(values[c] for c in (LOG_SURAT_2107 if old else LOG_SURAT)))
    return rows
PENDUDUK = ("id", "nama", "nik", "id_kk", "kk_level", "sex", "tempatlahir", "tanggallahir", "agama_id",
            "pendidikan_kk_id", "pekerjaan_id", "status_kawin", "warganegara_id", "nama_ayah", "nama_ibu",
            "id_cluster", "alamat_sekarang", "status_dasar", "created_at")
KELUARGA = ("id", "no_kk", "nik_kepala", "tgl_daftar", "kelas_sosial", "alamat", "id_cluster")
CLUSTER = ("id", "rt", "rw", "dusun", "id_kepala")
SIAK = ("NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TMPT_LHR", "TGL_LHR", "AGAMA", "PDDK_AKH", "JENIS_PKRJN",
        "STAT_KWN", "STAT_HBKEL", "NAMA_LGKP_AYAH", "NAMA_LGKP_IBU", "ALAMAT", "NO_RT", "NO_RW", "DUSUN",
        "NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL")


def _member(archive: zipfile.ZipFile, name: str, text: str) -> None:
    """A zip member with a fixed date: the fixture is the same file each time it is written."""
    archive.writestr(zipfile.ZipInfo(name, (2026, 12, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED)


def _codes() -> dict:
    text = (ROOT / "modules/smart_kampung/data/siak-codes.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    back = {}
    for column, entries in data.items():
        if column == "pekerjaan":
            back[column] = {name.upper(): code for code, name in entries.items()}
        else:
            back[column] = {ours: code for code, (_name, ours) in entries.items() if ours}
    return back


def register_rows(villages: list[str], families: int, seed: int = 20261201):
    """The register's demo rows (docs/residents-csv.md columns): synthetic families."""
    sys.path.insert(0, str(ROOT / "modules"))
    try:
        from egovkit_modules.smart_kampung import demo
    except ImportError:  # run from a checkout without the package installed
        import importlib
        demo = importlib.import_module("smart_kampung.demo")
    return demo.generate(villages, families, seed)


def _sql(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _iso(text: str) -> str:
    if len(text) == 10 and text[2] == "-":
        return f"{text[6:]}-{text[3:5]}-{text[:2]}"
    return text


class OpenSID:
    """The tables of one OpenSID village from register rows."""

    def __init__(self, village: str):
        self.village, self.codes = village, _codes()
        self.penduduk, self.keluarga, self.clusters = [], [], {}
        self.families: dict[str, int] = {}

    def add(self, row: dict, **override) -> None:
        c = self.codes
        key = (row["rt"].zfill(3), row["rw"].zfill(3), "KRAJAN")
        if key not in self.clusters:
            self.clusters[key] = len(self.clusters) + 1
        cluster = self.clusters[key]
        family = 0
        if row["no_kk"]:
            if row["no_kk"] not in self.families:
                self.families[row["no_kk"]] = len(self.families) + 1
                self.keluarga.append((len(self.families), row["no_kk"], row["nik"], "2024-01-02 08:00:00", None,
                                      row["alamat"], cluster))
            family = self.families[row["no_kk"]]
        values = {"id": len(self.penduduk) + 1, "nama": row["nama"], "nik": int(row["nik"]), "id_kk": family,
                  "kk_level": c["hubungan"][row["hubungan_keluarga"]], "sex": 1 if row["jenis_kelamin"] == "L" else 2,
                  "tempatlahir": row["tempat_lahir"], "tanggallahir": _iso(row["tanggal_lahir"]),
                  "agama_id": c["agama"][row["agama"]], "pendidikan_kk_id": c["pendidikan"][row["pendidikan"]],
                  "pekerjaan_id": c["pekerjaan"].get(row["pekerjaan"].upper(), 89),
                  "status_kawin": c["status_kawin"][row["status_perkawinan"]], "warganegara_id": 1,
                  "nama_ayah": "", "nama_ibu": "", "id_cluster": cluster, "alamat_sekarang": "",
                  "status_dasar": {"HIDUP": 1, "MATI": 2, "PINDAH": 3}[row.get("status") or "HIDUP"],
                  "created_at": "2024-01-02 08:00:00", **override}
        self.penduduk.append(tuple(values[k] for k in PENDUDUK))

    def dump(self, out, letters: bool = False) -> None:
        """As mysqldump writes it: CREATE TABLE, then extended INSERTs of up to 200 rows."""
        digits = self.village.replace(".", "")
        out.write("-- MySQL dump 10.13  Distrib 8.0 (synthetic OpenSID village for egovkit's tests)\n"
                  "/*!40101 SET NAMES utf8mb4 */;\nSET FOREIGN_KEY_CHECKS=0;\n\n")
        out.write(OPENSID_SCHEMA)
        out.write(f"\nINSERT INTO `config` VALUES (1,'Sarongan','{digits}','{digits[:6]}','{digits[:4]}');\n")
        clusters = [(i, rt, rw, dusun, 0) for (rt, rw, dusun), i in self.clusters.items()]
        for table, columns, rows in (("tweb_wil_clusterdesa", CLUSTER, clusters),
                                     ("tweb_keluarga", KELUARGA, self.keluarga),
                                     ("tweb_penduduk", PENDUDUK, self.penduduk)):
            for start in range(0, len(rows), 200):
                chunk = rows[start:start + 200]
                out.write(f"INSERT INTO `{table}` (" + ",".join(f"`{c}`" for c in columns) + ") VALUES "
                          + ",".join("(" + ",".join(_sql(v) for v in r) + ")" for r in chunk) + ";\n")
        if letters:  # as mysqldump writes a table without a column list
            out.write("INSERT INTO `tweb_surat_format` VALUES "
                      + ",".join("(" + ",".join(_sql(v) for v in r) + ")" for r in FORMATS) + ";\n")
            out.write("INSERT INTO `log_surat` VALUES "
                      + ",".join("(" + ",".join(_sql(v) for v in r) + ")" for r in log_surat_rows()) + ";\n")

    def csv_zip(self, path: Path, letters: bool = False) -> None:
        """The same tables as phpMyAdmin's CSV export of each table, zipped."""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            clusters = [(i, rt, rw, dusun, 0) for (rt, rw, dusun), i in self.clusters.items()]
            for table, columns, rows in (("tweb_wil_clusterdesa", CLUSTER, clusters),
                                         ("tweb_keluarga", KELUARGA, self.keluarga),
                                         ("tweb_penduduk", PENDUDUK, self.penduduk)):
                text = io.StringIO()
                writer = csv.writer(text, delimiter=";")
                writer.writerow(columns)
                writer.writerows(["NULL" if v is None else v for v in r] for r in rows)
                _member(archive, f"opensid/{table}.csv", text.getvalue())
            _member(archive, "opensid/config.csv", "id;nama_desa;kode_desa\n1;Sarongan;"
                    + self.village.replace(".", "") + "\n")
            if letters:  # the letter history as an older OpenSID (2107-2212) has it
                for table, columns, rows in (("tweb_surat_format", SURAT_FORMAT, FORMATS),
                                             ("log_surat", LOG_SURAT_2107, log_surat_rows(old=True))):
                    text = io.StringIO()
                    writer = csv.writer(text, delimiter=";")
                    writer.writerow(columns)
                    writer.writerows(["NULL" if v is None else v for v in r] for r in rows)
                    _member(archive, f"opensid/{table}.csv", text.getvalue())


def siak_row(row: dict, codes: dict, **override) -> dict:
    """One person of a SIAK extract (BIODATA_WNI with its family's address), codes as SIAK writes them."""
    prop, kab, kec, kel = row["kode_desa"].split(".")
    return {"NIK": row["nik"], "NO_KK": row["no_kk"], "NAMA_LGKP": row["nama"].upper(),
            "JENIS_KLMIN": 1 if row["jenis_kelamin"] == "L" else 2, "TMPT_LHR": row["tempat_lahir"].upper(),
            "TGL_LHR": _iso(row["tanggal_lahir"]) + " 00:00:00", "AGAMA": codes["agama"][row["agama"]],
            "PDDK_AKH": codes["pendidikan"][row["pendidikan"]],
            "JENIS_PKRJN": codes["pekerjaan"].get(row["pekerjaan"].upper(), 89),
            "STAT_KWN": codes["status_kawin"][row["status_perkawinan"]],
            "STAT_HBKEL": codes["hubungan"][row["hubungan_keluarga"]], "NAMA_LGKP_AYAH": "", "NAMA_LGKP_IBU": "",
            "ALAMAT": row["alamat"].upper(), "NO_RT": int(row["rt"]), "NO_RW": int(row["rw"]), "DUSUN": "KRAJAN",
            "NO_PROP": int(prop), "NO_KAB": int(kab), "NO_KEC": int(kec), "NO_KEL": int(kel), **override}


def write_siak(path: Path, rows, extra: list[dict] = ()) -> int:
    codes = _codes()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SIAK, delimiter=";")
        writer.writeheader()
        n = 0
        for row in rows:
            writer.writerow(siak_row(row, codes))
            n += 1
        for row in extra:
            writer.writerow(row)
            n += 1
    return n


# SIAK's two tables as an extract splits them: the persons (BIODATA_WNI) and their family cards (DATA_KELUARGA),
# joined by NO_KK; the address and the region are the family's
BIODATA_WNI = ("NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TMPT_LHR", "TGL_LHR", "AGAMA", "PDDK_AKH", "JENIS_PKRJN",
               "STAT_KWN", "STAT_HBKEL", "NAMA_LGKP_AYAH", "NAMA_LGKP_IBU", "GOL_DRH", "STAT_HIDUP")
DATA_KELUARGA = ("NO_KK", "NAMA_KEP", "ALAMAT", "NO_RT", "NO_RW", "DUSUN", "KODE_POS", "NO_PROP", "NO_KAB", "NO_KEC",
                 "NO_KEL")


def write_siak_zip(path: Path, rows, extra: list[dict] = ()) -> int:
    """A SIAK extract as a zip of BIODATA_WNI.csv (semicolons) and DATA_KELUARGA.csv (tabs) in a folder, the
    persons without address columns (their family's are read)."""
    codes = _codes()
    persons, families = [], {}
    for row in rows:
        person = siak_row(row, codes)
        persons.append({**{k: person[k] for k in BIODATA_WNI if k in person}, "GOL_DRH": 13, "STAT_HIDUP": 1})
        if row["no_kk"] and row["no_kk"] not in families:
            families[row["no_kk"]] = {**{k: person[k] for k in DATA_KELUARGA if k in person},
                                      "NAMA_KEP": person["NAMA_LGKP"], "KODE_POS": 68488}
    persons.extend({**{k: r.get(k, "") for k in BIODATA_WNI}, "GOL_DRH": 13, "STAT_HIDUP": 1} for r in extra)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns, items, delimiter in (("BIODATA_WNI", BIODATA_WNI, persons, ";"),
                                                 ("DATA_KELUARGA", DATA_KELUARGA, families.values(), "\t")):
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, delimiter=delimiter, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(items)
            _member(archive, f"ekstrak-siak/{table}.csv", text.getvalue())
    return len(persons)


# Siskeudes 2.0's tables as its database export (Ref_* and Ta_* CSV files) holds them
TA_ANGGARAN = ("KdPosting", "Tahun", "KURincianSD", "Kd_Rincian", "RincianSD", "Anggaran", "AnggaranPAK",
               "AnggaranStlhPAK", "Belanja", "Kd_Keg", "SumberDana", "Kd_Desa", "TglPosting")
TA_RINCI = ("KdPosting", "Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "No_Urut", "Uraian",
            "SumberDana", "JmlSatuan", "HrgSatuan", "Satuan", "Anggaran", "JmlSatuanPAK", "HrgSatuanPAK",
            "AnggaranStlhPAK", "AnggaranPAK")
TA_LOG = ("KdPosting", "Tahun", "Kd_Desa", "No_Perdes", "TglPosting", "UserID", "Kunci")
TA_KEGIATAN = ("Tahun", "Kd_Desa", "Kd_Bid", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Pagu", "Pagu_PAK", "Nm_PPTKD",
               "NIP_PPTKD", "Lokasi", "Waktu", "Keluaran", "Sumberdana")
REF_SUMBER = ("Kode", "Nama_Sumber", "Urut")
SISKEUDES_SOURCES = {"DD": "DDS", "ADD": "ADD", "PBH": "PBH", "PAD": "PAD", "SILPA": "SILPA", "BAN-KAB": "PBK",
                     "BAN-PROV": "PBP", "DLL": "DLL"}


def apbdes_lines(seed: int = 20261201, lines: int = 0) -> list[dict]:
    """A believable APBDes (the module's demo planner): account, kegiatan, source, amount, description."""
    import random

    sys.path.insert(0, str(ROOT / "modules"))
    from egovkit_modules.village_finance import demo

    return demo.plan(random.Random(seed), lines)


def siskeudes_tables(village: str, year: int, lines: list[dict], extra: list[tuple] = (),
                     posting: str = "1") -> list[tuple[str, tuple, list[tuple]]]:
    """Siskeudes' tables for an APBDes posted once (KdPosting 1): (table, columns, rows) for Ta_Anggaran, its
    detail rows, the posting log, kegiatan and sources; ``extra`` Ta_Anggaran rows as given."""
    _prop, _kab, kec, desa = village.split(".")
    kd_desa = f"{kec}.{desa}."
    groups: dict[tuple, list[dict]] = {}
    for line in lines:
        groups.setdefault((line["kegiatan"], line["account"], line["source"]), []).append(line)
    anggaran, rinci, kegiatan = [], [], {}
    for (keg, account, source), members in groups.items():
        if keg:
            bid, sub, k = keg.split(".")
            kd_keg = f"{kd_desa}{int(bid):02d}.{int(sub):02d}.{int(k):02d}."
        else:
            kd_keg = f"{kd_desa}00.00.00."
        code = SISKEUDES_SOURCES[source]
        total = sum(m["amount"] for m in members)
        kind = "PDPT" if account.startswith("4") else "BOP" if account.startswith("5") else "PBY"
        anggaran.append((posting, year, f"{kd_keg}{account}.{code}", f"{account}.", f"{account}.{code}", total, 0,
                         total, kind, kd_keg, code, kd_desa, f"{year - 1}-12-28 10:00:00"))
        for n, m in enumerate(members, start=1):
            rinci.append((posting, year, kd_desa, kd_keg, f"{account}.", "01", n, m["description"], code, 1,
                          m["amount"], "paket", m["amount"], 1, m["amount"], m["amount"], 0))
        if keg:
            kegiatan.setdefault(kd_keg, (year, kd_desa, kd_keg[:len(kd_desa) + 3], kd_keg, keg, f"Kegiatan {keg}",
                                         total, total, "", "", "", "", "", code))
    anggaran.extend(extra)
    return [("Ta_Anggaran", TA_ANGGARAN, anggaran), ("Ta_AnggaranRinci", TA_RINCI, rinci),
            ("Ta_AnggaranLog", TA_LOG, [(posting, year, kd_desa, f"2 Tahun {year - 1}", f"{year - 1}-12-28 10:00:00",
                                         "admin", 1)]),
            ("Ta_Kegiatan", TA_KEGIATAN, list(kegiatan.values())),
            ("Ref_Sumber", REF_SUMBER, [(c, c, n) for n, c in enumerate(SISKEUDES_SOURCES.values(), 1)])]


def siskeudes_bundle(path: Path, village: str, year: int, lines: list[dict], extra: list[tuple] = (),
                     posting: str = "1") -> None:
    """A Siskeudes database export: its tables as CSV files in a zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns, rows in siskeudes_tables(village, year, lines, extra, posting):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows(rows)
            _member(archive, f"{table}.csv", text.getvalue())


# The Access types of the Siskeudes columns the fixture's .mdb holds (text unless named here; sizes in characters).
# The importer reads every value as text (mdb-export), so a type here changes only how a value is written.
SISKEUDES_TYPES = {"Anggaran": "money", "AnggaranPAK": "money", "AnggaranStlhPAK": "money", "HrgSatuan": "money",
                   "HrgSatuanPAK": "money", "Pagu": "money", "Pagu_PAK": "money", "JmlSatuan": "double",
                   "JmlSatuanPAK": "double", "TglPosting": "datetime", "No_Urut": "long", "Urut": "long",
                   "Kunci": "long", "Tahun": ("text", 4), "KdPosting": ("text", 2), "Uraian": ("text", 250),
                   "Nama_Kegiatan": ("text", 250), "Nama_Sumber": ("text", 100)}


def siskeudes_mdb(path: Path, village: str, year: int, lines: list[dict], extra: list[tuple] = (),
                  posting: str = "1") -> None:
    """The same tables in an Access (Jet 4) database, as Siskeudes keeps them (scripts/jet4.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import jet4

    kinds = {"money": jet4.MONEY, "double": jet4.DOUBLE, "datetime": jet4.DATETIME, "long": jet4.LONG}
    tables = []
    for table, columns, rows in siskeudes_tables(village, year, lines, extra, posting):
        spec = []
        for name in columns:
            kind = SISKEUDES_TYPES.get(name, ("text", 50))
            spec.append(jet4.Column(name, jet4.TEXT, kind[1]) if isinstance(kind, tuple) else
                        jet4.Column(name, kinds[kind]))
        tables.append(jet4.Table(table, spec, [tuple(str(v) if c.type == jet4.TEXT else v for c, v in
                                                     zip(spec, row, strict=True)) for row in rows]))
    jet4.write(path, tables)


def main() -> None:
    rows = list(register_rows([VILLAGE], 12))
    opensid = OpenSID(VILLAGE)
    for row in rows:
        opensid.add(row)
    # what does not map: a religion id OpenSID has not, a resident gone missing (status_dasar 4 HILANG)
    opensid.add(rows[0], nik=3510014101990001, nama="Contoh Agama Tak Dikenal", sex=2, tanggallahir="1999-01-01",
                kk_level=9, agama_id=8)
    opensid.add(rows[0], nik=3510010202990001, nama="Contoh Hilang", sex=1, tanggallahir="1999-02-02", kk_level=9,
                status_dasar=4)
    folder = ROOT / "tests/fixtures/opensid"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "sarongan.sql").open("w", encoding="utf-8") as out:
        opensid.dump(out, letters=True)
    opensid.csv_zip(folder / "sarongan-csv.zip", letters=True)
    siak = ROOT / "tests/fixtures/siak"
    siak.mkdir(parents=True, exist_ok=True)
    codes = _codes()
    bad = [siak_row(rows[2], codes, NIK="3510010303990001", NAMA_LGKP="CONTOH PENDIDIKAN", JENIS_KLMIN=1,
                     TGL_LHR="1999-03-03 00:00:00", STAT_HBKEL=9, PDDK_AKH=11)]
    n = write_siak(siak / "sarongan.csv", rows, bad)
    write_siak_zip(siak / "sarongan-siak.zip", rows, bad)
    finance = ROOT / "tests/fixtures/siskeudes"
    finance.mkdir(parents=True, exist_ok=True)
    plan = apbdes_lines()
    unknown = ("1", 2026, "01.2001.00.00.00.4.3.1.01.XYZ", "4.3.1.01.", "4.3.1.01.XYZ", 5000000, 0, 5000000,
               "PDPT", "01.2001.00.00.00.", "XYZ", "01.2001.", "2025-12-28 10:00:00")
    siskeudes_bundle(finance / "sarongan-2026.zip", VILLAGE, 2026, plan, extra=[unknown])
    siskeudes_mdb(finance / "sarongan-2026.mdb", VILLAGE, 2026, plan, extra=[unknown])
    print(f"{len(opensid.penduduk)} OpenSID residents, {len(opensid.keluarga)} families; {n} SIAK persons; "
          f"{len(plan)} APBDes lines")


if __name__ == "__main__":
    main()
