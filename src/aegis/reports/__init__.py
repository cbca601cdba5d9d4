"""Public statistics with disclosure control, open data, annual report."""
