"""Plain-language content for patients and families: Learn pages, the question bank, Punnett squares, languages.

Used by the public web pages (:mod:`aatd.web.public`); nothing here computes a clinical answer of its
own: it calls :mod:`aatd.genetics` and :mod:`aatd.clinic`.
"""
