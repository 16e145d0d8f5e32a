"""`make demo`: the built-in sample set (`samples`), the run on the local stack (`pipeline`) and the contact
sheet it writes (`contact_sheet`). Nothing here is deployed or used by the operator commands."""
