"""Free poster prints over HTTP: first come first served up to the ``print_quota`` setting."""

from scheduling_testkit import COURSE


def test_print_quota_is_first_come_first_served(stack):
    client = stack.client(print_quota=2)
    for i in range(1, 4):
        stack.feed_group(f"g-{i}", [f"s21000{i}", f"s21001{i}"])
    first = client.put(f"/v1/courses/{COURSE}/groups/g-1/print-request", headers=stack.auth("s210001"))
    assert first.status_code == 201 and first.json()["position"] == 1
    again = client.put(f"/v1/courses/{COURSE}/groups/g-1/print-request", headers=stack.auth("s210011"))
    assert again.status_code == 200 and again.json()["position"] == 1
    assert (
        client.put(f"/v1/courses/{COURSE}/groups/g-2/print-request", headers=stack.auth("s210001")).status_code == 403
    )
    assert (
        client.put(f"/v1/courses/{COURSE}/groups/g-2/print-request", headers=stack.auth("s210002")).json()["position"]
        == 2
    )
    late = client.put(f"/v1/courses/{COURSE}/groups/g-3/print-request", headers=stack.auth("s210003"))
    assert late.status_code == 409 and late.json()["code"] == "print_quota_exhausted"
    quota = client.get(f"/v1/courses/{COURSE}/print-quota", headers=stack.auth("s210003")).json()
    assert quota == {"course_id": COURSE, "quota": 2, "granted": 2, "remaining": 0}
    staff_view = client.get(f"/v1/courses/{COURSE}/print-requests", headers=stack.auth("ta1", "ta")).json()
    assert [r["group_id"] for r in staff_view] == ["g-1", "g-2"]
    assert client.get(f"/v1/courses/{COURSE}/print-requests", headers=stack.auth("s210001")).status_code == 403
