"""The CMS-1500 (02/12) paper claim: box mapping (claim → box values), layout and rendering."""
