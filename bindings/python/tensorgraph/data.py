"""The engine's data tools: the New York taxi rides generator of the samples, and shuffled
train/valid/test splits with the course's cleaning rules (as `tg generate-taxi` and `tg split`)."""
import os

from . import _tg


def generate_taxi_csv(path, rows=10000, seed=1, dirty_fraction=0.0, outlier_fraction=0.01, first_key=0):
    """Writes `rows` rides (fare_amount, pickuplon, pickuplat, dropofflon, dropofflat,
    passengers, key; no header) to path; returns the bytes written."""
    return _tg.generate_taxi_csv(os.fspath(path), int(rows), int(seed), float(dirty_fraction),
                                 float(outlier_fraction), int(first_key))


def split_csv(input_path, output_prefix, fractions=(0.70, 0.15, 0.15), names=("train", "valid", "test"),
              seed=1, header=False, taxi_filters=False):
    """Shuffles a CSV file and writes <output_prefix>-<name>.csv for each split, dropping rows
    that fail the taxi cleaning rules when asked. Returns (paths, rows per split, dropped)."""
    return _tg.split_csv(os.fspath(input_path), os.fspath(output_prefix), [float(f) for f in fractions],
                         list(names), int(seed), bool(header), bool(taxi_filters))


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in kilometres between two (lon, lat) points in degrees."""
    return _tg.haversine_km(lon1, lat1, lon2, lat2)
