"""Sign-in sessions: started by the sign-in page, listed and ended by users and admins."""
