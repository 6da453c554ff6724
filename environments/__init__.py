"""Built-in executable domains of apigen, one package each (``environments.retail``)."""
