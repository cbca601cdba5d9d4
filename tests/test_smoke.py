from aegis.roles import Role


def test_sign_in_reaches_dashboard(signed_in):
    client, _ = signed_in(Role.CASEWORKER)
    page = client.get("/")
    assert page.status_code == 200
    assert "Dashboard" in page.content.decode()
