"""Publishing events to aftersale with publisher confirms (for shops and the CLI)."""
