"""Supplier data: workbooks in, typed records, Brightway activities, carbon profiles out."""
