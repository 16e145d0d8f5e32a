"""The demo's contact sheet links its images with relative URLs that survive any upload name."""

from imgpipe.demo.contact_sheet import _card


def test_image_links_are_url_encoded_so_names_with_hash_percent_or_space_load() -> None:
    # GIVEN an upload whose name holds characters that mean something in a URL
    # WHEN its card is rendered
    card = _card("images/2026/photo #1 100%.jpg", "photo #1 100%.jpg", ["JPEG 10x10"])
    # THEN the src is a relative URL that points at exactly that file, and the title is only HTML-escaped
    assert 'src="images/2026/photo%20%231%20100%25.jpg"' in card
    assert 'alt="photo #1 100%.jpg"' in card
