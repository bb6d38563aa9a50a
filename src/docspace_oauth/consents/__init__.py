"""Users' consents to clients, and the per-pair watermark that revokes their tokens."""
