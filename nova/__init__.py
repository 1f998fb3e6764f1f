import warnings

# oslo.versionedobjects imports oslo.messaging, which imports oslo.service's
# eventlet backend; that warns about eventlet on import although nothing
# here uses eventlet.  Keep operators' terminals and test logs clean.
warnings.filterwarnings('ignore', module=r'oslo_service\.')
warnings.filterwarnings('ignore', module=r'oslo_utils\.eventletutils')
