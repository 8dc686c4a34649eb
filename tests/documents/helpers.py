"""Reading a generated PDF back."""

import io

import pypdf


def pdf_text(document) -> str:
    with document.file.open("rb") as stream:
        reader = pypdf.PdfReader(io.BytesIO(stream.read()))
    return "\n".join(page.extract_text() for page in reader.pages)
