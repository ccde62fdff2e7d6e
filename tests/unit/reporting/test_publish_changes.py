import json

from functions.publish_changes import handler
from tests_reporting_support import *  # noqa
