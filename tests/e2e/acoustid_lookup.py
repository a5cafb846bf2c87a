#!/usr/bin/python3
"""AcoustID compatibility check, run by tests/e2e/e2e_test.cc against a live signetd.

Uses Debian's python3-acoustid (pyacoustid) exactly as an existing AcoustID
client does, changing only the base URL: fingerprint a file (fpcalc), look it
up (a gzip-compressed form POST), parse the answer with the library's own
parser. Exits 0 when the expected work is found (its MusicBrainz recording id
as the recording, the work id in the result's "work_id") and a malformed
fingerprint is refused the way AcoustID refuses it.

usage: acoustid_lookup.py PORT AUDIO_FILE EXPECTED_WORK_ID EXPECTED_MBID EXPECTED_TITLE
"""
import sys

import acoustid


def main():
    port, path, expected_work, expected_id, expected_title = sys.argv[1:6]
    acoustid.API_BASE_URL = "http://127.0.0.1:%s/v2/" % port
    acoustid.REQUEST_INTERVAL = 0

    duration, fingerprint = acoustid.fingerprint_file(path, force_fpcalc=True)
    response = acoustid.lookup("any-client-key", fingerprint, duration,
                               meta=["recordings", "releasegroups"])
    if not any(r.get("work_id") == expected_work for r in response["results"]):
        print("FAIL: work %s not among the results" % expected_work, response)
        return 1
    results = list(acoustid.parse_lookup_result(response))
    print("results:", results)
    found = [r for r in results if r[1] == expected_id]
    if not found:
        print("FAIL: %s not among the results" % expected_id)
        return 1
    score, rid, title, artist = found[0]
    if title != expected_title or not (0.5 < score <= 1.0) or not artist:
        print("FAIL: unexpected result", found[0])
        return 1

    # A broken fingerprint gets AcoustID's error shape, which the library turns
    # into a WebServiceError with the server's code.
    bad = acoustid.lookup("any-client-key", "not-a-fingerprint!", duration)
    if bad.get("status") != "error" or bad["error"]["code"] != 3:
        print("FAIL: malformed fingerprint answered", bad)
        return 1
    try:
        list(acoustid.parse_lookup_result(bad))
        print("FAIL: parse_lookup_result accepted an error")
        return 1
    except acoustid.WebServiceError:
        pass
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
