"""Template tags of the back office (`casemgmt_admin`): the dashboard on the admin index, its
figures read through the selectors."""
