"""The customer's own page for an order (`/o/{token}`) and its withdrawal function."""
