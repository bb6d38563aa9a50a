"""Pieces every HTTP API module shares: content negotiation, body limits, paging parameters."""
