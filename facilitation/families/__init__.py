"""What families use without an account: invitations, the submission flow, resumable uploads, status and rate limits.

Staff-side screens about families (the family page, submission review) stay in ``facilitation``; this package holds
only the code reached from a family's phone, plus creating the invitation that opens it.
"""
