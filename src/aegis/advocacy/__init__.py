"""Communications to UN and regional mechanisms."""
