from django.shortcuts import get_object_or_404, render

from referrals.models import ReferralCode


def floor(request, pk: int):
    code = get_object_or_404(ReferralCode.objects.only("pk", "token", "kind"), pk=pk)
    return render(request, "scan_floor/floor.html", {"code": code})
