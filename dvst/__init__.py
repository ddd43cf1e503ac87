"""DVST over the air: deep video semantic transmission through PlutoSDR radios.

Importing the package is cheap (no torch, no radio libraries); each layer imports what it
needs when it is used.
"""

__version__ = "0.1.0"
