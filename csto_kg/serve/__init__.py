"""Serve the built graph: a SPARQL 1.1 Protocol endpoint and dereferenceable entity IRIs.

SPARQL is evaluated by the Oxigraph server (the `oxigraph` binary of the PyPI package
`oxigraph`), run on a private copy of the current build and bound to a free port on
127.0.0.1. In front of it a small ASGI application on Starlette, run by uvicorn (whose
h11 parser refuses ambiguous request framing), adds what the Oxigraph server does not offer:

- one log line per request (time, client, request, status, bytes, milliseconds);
- a cap on the size of a result: past `max_results` rows (or triples) the request fails
  with HTTP 413 and says so, the result is never cut silently;
- a firm time limit: a query that runs past `timeout` seconds fails with HTTP 503, even
  where the Oxigraph server would have started streaming an answer it later breaks off;
- read-only by default: updates and Graph Store writes get HTTP 403 unless `writable`;
- no SERVICE (nor, when writable, LOAD) to an address that is not on the allow-list
  (`allow_service`, empty by default): HTTP 403, so the endpoint is no proxy into the
  network it runs in;
- limits on the size of a request body (HTTP 413), on the requests worked on at once and
  waiting for their turn (past both, HTTP 503 with Retry-After), and on open connections;
- a watch over the front's own memory: past `max_front_memory` it refuses requests (503)
  and lets go of the answer it was building, rather than grow (see csto_kg.serve.memory);
- a supervisor that replaces the Oxigraph server when it goes on with a query past the
  time limit, holds more memory than `max_memory`, or dies (see Supervisor);
- CORS headers for browser clients, and answers to CORS preflight requests;
- content negotiation over every result format of csto_kg.core.formats (and the `format` or
  `output` parameter that SPARQLWrapper and Virtuoso clients send);
- entity IRIs under https://w3id.org/csto-kg/ answered at the same path of the served
  base (GET /id/armenia describes https://w3id.org/csto-kg/id/armenia) as Turtle,
  JSON-LD, N-Triples or RDF/XML, or as an HTML page for a browser;
- the dataset description (VoID) at /.well-known/void.

The front asks the Oxigraph server for SELECT/ASK results as TSV and for graphs as
N-Triples (one row or triple per line), counts them as they arrive, and writes them in
the format the client asked for. The front never evaluates SPARQL itself; the only
queries it writes are the CONSTRUCT queries that describe one entity, with IRIs it has
checked. It reads no file: the data it serves comes from the Oxigraph server. It sends
the Oxigraph server the public Host, so relative IRIs in a query resolve against this
endpoint's URL, not the private address.

The copy is made when the server starts: a later `csto-kg build` does not change what
is served until the server is restarted, and writes (with `writable`) go to the copy
only and are gone when the server stops.

The package imports none of its modules: the command line's SERVICE check reads
`screen` and `settings` alone, without the server. From Python: `csto_kg.serve.run`
(`start`, `serve`), `csto_kg.serve.settings` (`Settings`), `csto_kg.serve.engine`
(`find_oxigraph`), `csto_kg.serve.pages` (`use_html_pages`).
"""
