"""The connection to a coordinator: address, TLS, bearer token, errors."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Mapping, Optional, TypeVar, Union

import grpc

from hpo.v1 import coordinator_pb2 as pb
from hpo.v1 import coordinator_pb2_grpc as pb_grpc
from hpo.v1 import study_pb2

DEFAULT_ADDRESS = "127.0.0.1:50051"

_Response = TypeVar("_Response")


class HpoError(Exception):
    """An error of a call to the coordinator.

    ``code`` is the gRPC status code's name (``"INVALID_ARGUMENT"``,
    ``"NOT_FOUND"``, ``"FAILED_PRECONDITION"``, ``"UNAVAILABLE"``, ...) and
    ``message`` the coordinator's message, which names the field or trial.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Client:
    """A connection to one coordinator. Thread-safe. Use :func:`connect`."""

    def __init__(self, channel: grpc.Channel, address: str, token: Optional[str],
                 timeout: float) -> None:
        self._channel = channel
        self._stub = pb_grpc.CoordinatorStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._timeout = timeout
        self.address = address

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def call(self, method: str, request: Any, timeout: Optional[float] = None) -> Any:
        """Calls the RPC ``method`` (e.g. ``"GetStudy"``); raises HpoError."""
        rpc: Callable[..., Any] = getattr(self._stub, method)
        try:
            return rpc(request, timeout=timeout or self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise self._error(error) from None

    def _error(self, error: grpc.RpcError) -> HpoError:
        code = error.code()
        details = error.details() or ""
        trailing = dict(error.trailing_metadata() or ())
        from_coordinator = trailing.get("hpo-error-source") == "coordinator"
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and \
                not from_coordinator:
            details = (f"cannot reach the coordinator at {self.address} ({details}); is "
                       "hpo-coordinator running? Pass address= or set HPO_COORDINATOR")
        return HpoError(code.name, details)

    def create_study(self, spec: Union[str, os.PathLike, Mapping[str, Any], study_pb2.StudySpec],
                     load_if_exists: bool = False) -> "Study":
        """Creates a study and returns it.

        ``spec`` is the path of a YAML spec file, the text of one, a dict with
        the file's structure (``{"name": ..., "params": {...}}``) or a
        ``StudySpec`` message. The coordinator reads it as the CLI reads a
        file: errors name ``FILE:LINE: field``. With ``load_if_exists``, an
        existing study of the same name and spec is returned instead of
        ALREADY_EXISTS.
        """
        request = pb.CreateStudyRequest(load_if_exists=load_if_exists)
        if isinstance(spec, study_pb2.StudySpec):
            request.spec.CopyFrom(spec)
        elif isinstance(spec, Mapping):
            request.spec_yaml = json.dumps(spec)  # JSON is YAML
            request.spec_file = "<dict>"
        elif isinstance(spec, os.PathLike) or (isinstance(spec, str) and "\n" not in spec and
                                               os.path.exists(spec)):
            with open(spec, encoding="utf-8") as f:
                request.spec_yaml = f.read()
            request.spec_file = os.fspath(spec)
        elif isinstance(spec, str) and ":" in spec:
            request.spec_yaml = spec
            request.spec_file = "<string>"
        else:
            raise FileNotFoundError(f"no spec file {spec!r}")
        return Study(self, self.call("CreateStudy", request))

    def load_study(self, name: str) -> "Study":
        """The study called ``name``; HpoError NOT_FOUND if there is none."""
        return Study(self, self.call("GetStudy", pb.GetStudyRequest(study_name=name)))

    def list_studies(self) -> "list[Study]":
        """Every study, in name order."""
        studies = []
        request = pb.ListStudiesRequest()
        while True:
            response = self.call("ListStudies", request)
            studies.extend(Study(self, s) for s in response.studies)
            if not response.next_page_token:
                return studies
            request.page_token = response.next_page_token

    def delete_study(self, name: str, force: bool = False) -> None:
        """Deletes a study and its trials (refused while trials run, unless force)."""
        self.call("DeleteStudy", pb.DeleteStudyRequest(study_name=name, force=force))


def connect(address: Optional[str] = None, token: Optional[str] = None,
            tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
            tls_key: Optional[str] = None, timeout: float = 30.0) -> Client:
    """Connects to a coordinator, with the CLI's defaults.

    ``address`` defaults to ``$HPO_COORDINATOR``, else 127.0.0.1:50051;
    ``token`` (the bearer token itself) to ``$HPO_TOKEN``. ``tls_ca`` is the
    path of the CA certificate (PEM) that verifies the coordinator and turns
    TLS on; ``tls_cert``/``tls_key`` a client certificate, if the coordinator
    asks for one. ``timeout`` is each call's deadline in seconds.
    """
    address = address or os.environ.get("HPO_COORDINATOR") or DEFAULT_ADDRESS
    if token is None:
        token = os.environ.get("HPO_TOKEN") or None
    if token is not None and any(ord(c) < 0x21 or ord(c) == 0x7f for c in token):
        raise ValueError("the token may not contain spaces or control characters")
    if tls_ca is None and tls_cert is None:
        channel = grpc.insecure_channel(address)
    else:
        def read(path: Optional[str]) -> Optional[bytes]:
            if path is None:
                return None
            with open(path, "rb") as f:
                return f.read()
        credentials = grpc.ssl_channel_credentials(read(tls_ca), read(tls_key), read(tls_cert))
        channel = grpc.secure_channel(address, credentials)
    return Client(channel, address, token, timeout)


from hpo._study import Study  # noqa: E402  (Study needs Client's module loaded)
