"""The ways people reach Okienko: the command line (`okienko`) and, later, the HTTP service."""
