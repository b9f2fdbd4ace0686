"""Instance and solution formats: CVRPLIB, Kim et al. (2006), and our JSON problem format."""
