"""An agence's orientation records (the anonymous events of its advisers' sheets)."""
