"""The big screen: layout, refresh callbacks, the live map and its routes."""
