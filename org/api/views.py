from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from org.selectors import institution_path_names

from .base import StaffAPIView
from .serializers import MeSerializer


class MeView(StaffAPIView):
    @extend_schema(responses=MeSerializer, summary="当前员工：机构路径与岗位")
    def get(self, request):
        staff = self.staff
        path = institution_path_names(institution=staff.institution)
        return Response(MeSerializer(staff, context={"institution_path": path}).data)
