"""Document requirements (SPEC §4-5): the rules saying which party owes which document, the
requirements determined from them and the decisions analysts record on them."""
